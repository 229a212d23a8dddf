import type { ShotStatus, VersionStatus } from "~/db/schema";

/** A shot's status follows its latest version; a shot without versions is waiting. */
export function deriveShotStatus(versions: { number: number; status: VersionStatus }[]): ShotStatus {
  const latest = versions.reduce<(typeof versions)[number] | undefined>(
    (best, v) => (!best || v.number > best.number ? v : best),
    undefined,
  );
  if (!latest) return "waiting";
  switch (latest.status) {
    case "approved":
      return "approved";
    case "changes_requested":
      return "changes_requested";
    case "rejected":
      return "rejected";
    default:
      return "in_review";
  }
}
