/** The overview page: not built yet (see issue 13). */
export default function OverviewPage() {
  return <p>Not built yet.</p>;
}
