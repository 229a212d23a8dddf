"use client";

import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "~/app/_components/trpc";

export function CreateShowForm() {
  const trpc = useTRPC();
  const [slug, setSlug] = useState("");
  const [title, setTitle] = useState("");
  const [codeName, setCodeName] = useState("");
  const [producerEmail, setProducerEmail] = useState("");
  const create = useMutation(
    trpc.admin.createShow.mutationOptions({
      onSuccess: () => {
        setSlug("");
        setTitle("");
        setCodeName("");
        setProducerEmail("");
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      slug: slug.trim(),
      title: title.trim(),
      codeName: codeName.trim() || null,
      producerEmail,
    });
  };
  const fieldErrors = create.error?.data?.zodError?.fieldErrors as
    | Record<string, string[] | undefined>
    | undefined;
  const fieldError = (name: string) =>
    fieldErrors?.[name]?.[0] ? <span className="error small">{fieldErrors[name]?.[0]}</span> : null;

  return (
    <form className="card form create-show" onSubmit={submit} aria-label="Create a show">
      <h2>Create a show</h2>
      <label>
        Title
        <input required value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Moonfall" />
        {fieldError("title")}
      </label>
      <label>
        Slug (in the show's address)
        <input
          required
          value={slug}
          onChange={(e) => setSlug(e.target.value.toLowerCase())}
          placeholder="moonfall"
          pattern="[a-z0-9][a-z0-9\-]*"
        />
        {fieldError("slug")}
      </label>
      <label>
        Code name (optional)
        <input value={codeName} onChange={(e) => setCodeName(e.target.value)} placeholder="LANTERN" />
        {fieldError("codeName")}
      </label>
      <label>
        First producer's email
        <input
          type="email"
          required
          value={producerEmail}
          onChange={(e) => setProducerEmail(e.target.value)}
          placeholder="producer@studio.com"
        />
        {fieldError("producerEmail")}
      </label>
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create show"}
      </button>
      {create.error && !fieldErrors ? (
        <p role="alert" className="error">
          {create.error.message}
        </p>
      ) : null}
      {create.data ? (
        <output className="ok-text" data-testid="created-show">
          Created {create.data.title} (/shows/{create.data.slug}). {create.data.producer.name} is its producer
          and can now add members.
        </output>
      ) : null}
    </form>
  );
}
