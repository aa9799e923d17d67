/** The cancellations page: not built yet (see issue 13). */
export default function CancellationsPage() {
  return <p>Not built yet.</p>;
}
