/** The one domain error type. Routers never build TRPCErrors by hand; server/trpc.ts maps these. */
export type AppErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "CONFLICT"
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "UNAVAILABLE";

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** The single message for anything a user cannot see, so absence and denial look the same. */
export const NOT_FOUND_MESSAGE = "Not found. It does not exist, or you do not have access to it.";

export function notFound(): AppError {
  return new AppError("NOT_FOUND", NOT_FOUND_MESSAGE);
}
