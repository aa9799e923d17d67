/** Being built. */
export function PaymentDetailPage({ id }: { id: string }) {
  return <p>{id}</p>;
}
