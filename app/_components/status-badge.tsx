const LABELS: Record<string, string> = {
  waiting: "waiting",
  in_review: "in review",
  pending_review: "pending review",
  recommended: "recommended",
  approved: "approved",
  changes_requested: "changes requested",
  rejected: "rejected",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="status">
      {LABELS[status] ?? status}
    </span>
  );
}
