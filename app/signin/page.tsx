import { SignInForm } from "./sign-in-form";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = params.callbackUrl?.startsWith("/") ? params.callbackUrl : "/";
  return (
    <main className="centered">
      <h1>Sign in to Shotboard</h1>
      <SignInForm
        callbackUrl={callbackUrl}
        initialError={params.error ? "Sign-in failed. Check your email and password." : null}
      />
    </main>
  );
}
