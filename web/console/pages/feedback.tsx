/** The feedback page: not built yet (see issue 13). */
export default function FeedbackPage() {
  return <p>Not built yet.</p>;
}
