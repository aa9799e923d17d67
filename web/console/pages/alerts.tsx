/** The alerts page: not built yet (see issue 13). */
export default function AlertsPage() {
  return <p>Not built yet.</p>;
}
