"use client";

import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { type Mentionable, mentionAt, suggestMembers } from "~/shared/comments";

/**
 * A text input that suggests show members after "@" (arrow keys + Enter/Tab, or click) and
 * inserts "@Full Name ". Plain text only: what is typed is stored and shown as text.
 */
export function MentionInput({
  name,
  label,
  members,
  placeholder,
  maxLength,
  autoFocus,
}: {
  name: string;
  label: string;
  members: Mentionable[];
  placeholder?: string;
  maxLength?: number;
  autoFocus?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [value, setValue] = useState("");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  // form.reset() clears it, as it would an uncontrolled input.
  useEffect(() => {
    const form = input.current?.form;
    const clear = () => setValue("");
    form?.addEventListener("reset", clear);
    return () => form?.removeEventListener("reset", clear);
  }, []);
  const at = mentionAt(value, caret);
  const options = at && !dismissed ? suggestMembers(at.query, members) : [];
  const open = options.length > 0;

  const choose = (m: Mentionable) => {
    if (!at) return;
    const next = `${value.slice(0, at.start)}@${m.name} ${value.slice(caret)}`;
    const pos = at.start + m.name.length + 2;
    setValue(next);
    setCaret(pos);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(pos, pos);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const delta = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + delta + options.length) % options.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(options[Math.min(active, options.length - 1)]!);
    } else if (event.key === "Escape") {
      event.preventDefault();
      setDismissed(true);
    }
  };

  return (
    <span className="mention-input">
      <input
        ref={input}
        name={name}
        value={value}
        placeholder={placeholder}
        maxLength={maxLength}
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        role="combobox"
        // biome-ignore lint/a11y/noAutofocus: the form opens where the user clicked
        autoFocus={autoFocus}
        autoComplete="off"
        onChange={(event) => {
          setValue(event.target.value);
          setCaret(event.target.selectionStart ?? event.target.value.length);
          setActive(0);
          setDismissed(false);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart ?? 0)}
        onKeyDown={onKeyDown}
      />
      {open ? (
        <div className="mention-options" role="listbox" id={listId} aria-label="Mention a member">
          {options.map((m, i) => (
            <div
              key={m.userId}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(m);
              }}
            >
              {m.name}
              {m.email ? <span className="muted small"> @{m.email.split("@")[0]}</span> : null}
            </div>
          ))}
        </div>
      ) : null}
    </span>
  );
}
