import { describeSignInError } from "~/server/auth/signin-error";
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
      <SignInForm callbackUrl={callbackUrl} initialError={describeSignInError(params.error)} />
    </main>
  );
}
