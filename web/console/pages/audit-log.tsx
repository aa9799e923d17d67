/** Being built. */
export function AuditLogPage() {
  return <p>…</p>;
}
