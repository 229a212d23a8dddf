import type { Show } from "~/db/schema";

/** Shown on every page of a show that is not active: nothing in it can change until unlocked. */
export function LockedBanner({ state }: { state: Show["state"] }) {
  if (state === "active") return null;
  return (
    <output className="locked-banner" data-testid="locked-banner">
      <strong>{state === "archived" ? "Archived — read-only." : "Locked — read-only."}</strong>{" "}
      {state === "archived"
        ? "This show is archived: you can look, but nothing can be drawn, uploaded or signed off."
        : "A producer locked this show: you can look, but nothing can be drawn, uploaded or signed off until they unlock it."}
    </output>
  );
}
