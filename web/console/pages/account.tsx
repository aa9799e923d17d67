/** Being built. */
export function AccountPage() {
  return <p>…</p>;
}
