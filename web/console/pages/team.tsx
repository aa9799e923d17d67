/** Being built. */
export function TeamPage() {
  return <p>…</p>;
}
