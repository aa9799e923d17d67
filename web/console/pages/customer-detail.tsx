/** Being built. */
export function CustomerDetailPage({ id }: { id: string }) {
  return <p>{id}</p>;
}
