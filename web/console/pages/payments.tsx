/** Being built. */
export function PaymentsPage() {
  return <p>…</p>;
}
