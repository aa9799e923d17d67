/** The after-sales page: not built yet (see issue 13). */
export default function AfterSalesPage() {
  return <p>Not built yet.</p>;
}
