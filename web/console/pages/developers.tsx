/** Being built. */
export function DevelopersPage() {
  return <p>…</p>;
}
