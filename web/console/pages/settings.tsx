/** Being built. */
export function SettingsPage() {
  return <p>…</p>;
}
