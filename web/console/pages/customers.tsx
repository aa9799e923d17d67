/** Being built. */
export function CustomersPage() {
  return <p>…</p>;
}
