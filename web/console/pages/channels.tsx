/** The channels page: not built yet (see issue 13). */
export default function ChannelsPage() {
  return <p>Not built yet.</p>;
}
