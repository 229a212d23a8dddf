import type { ShowRole } from "~/db/schema";

/** The role table of DESIGN.md, "Roles (per show)". One place; everything else asks `can`. */
export const PERMISSIONS = {
  view: { roles: ["director", "supervisor", "artist", "producer", "reviewer"], writes: false },
  annotate: { roles: ["director", "supervisor", "artist", "producer", "reviewer"], writes: true },
  editOthersAnnotations: { roles: ["director"], writes: true },
  upload: { roles: ["director", "supervisor", "artist"], writes: true },
  recommend: { roles: ["director", "supervisor"], writes: true },
  signoff: { roles: ["director"], writes: true },
  present: { roles: ["director", "supervisor", "producer"], writes: true },
  editCredits: { roles: ["producer"], writes: true },
  manageMembers: { roles: ["producer"], writes: true },
  lockShow: { roles: ["producer"], writes: false },
  readAudit: { roles: ["director", "producer"], writes: false },
} as const satisfies Record<string, { roles: readonly ShowRole[]; writes: boolean }>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: ShowRole, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly ShowRole[]).includes(role);
}

export function permissionsOf(role: ShowRole): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(role, p));
}

/** Writes are refused on a locked or archived show; `lockShow` stays open so it can be unlocked. */
export function isWrite(permission: Permission): boolean {
  return PERMISSIONS[permission].writes;
}

export const PERMISSION_LABELS: Record<Permission, string> = {
  view: "view this show",
  annotate: "draw and comment",
  editOthersAnnotations: "edit or delete others' annotations",
  upload: "upload versions and edit their provenance",
  recommend: "recommend versions",
  signoff: "sign off versions",
  present: "present a board",
  editCredits: "edit credits and talent consents",
  manageMembers: "manage members and pipeline tokens",
  lockShow: "lock or unlock the show",
  readAudit: "read the audit log",
};
