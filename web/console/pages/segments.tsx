/** The segments page: not built yet (see issue 13). */
export default function SegmentsPage() {
  return <p>Not built yet.</p>;
}
