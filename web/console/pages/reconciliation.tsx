/** The reconciliation page: not built yet (see issue 13). */
export default function ReconciliationPage() {
  return <p>Not built yet.</p>;
}
