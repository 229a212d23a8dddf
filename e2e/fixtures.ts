import { type Browser, test as base, expect, type Page } from "@playwright/test";
import { type AppProcess, startApp } from "./app";

export const DEMO_PASSWORD = "shotboard-demo";
export const email = (user: string) => `${user}@shotboard.test`;

/** Signs in through the real sign-in page. */
export async function signIn(
  page: Page,
  app: AppProcess,
  user: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  await page.goto(`${app.url}/signin`);
  await page.getByLabel("Email").fill(email(user));
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your shows" })).toBeVisible();
}

/** A new browser context signed in as `user`. */
export async function userPage(browser: Browser, app: AppProcess, user: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await signIn(page, app, user);
  return page;
}

/** Opens the show's first review board from the show page, as a user would. */
export async function openBoard(page: Page, app: AppProcess, show: string): Promise<string> {
  await page.goto(`${app.url}/shows/${show}`);
  await page
    .getByRole("link", { name: /dailies/i })
    .first()
    .click();
  await expect(page.getByTestId("frame-number")).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveText(/live/i);
  return page.url();
}

type WorkerFixtures = { app: AppProcess };

/** One Shotboard process per worker, seeded with the demo studio on embedded PGlite. */
export const test = base.extend<object, WorkerFixtures>({
  app: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      const app = await startApp();
      await use(app);
      await app.stop();
    },
    { scope: "worker", timeout: 180_000 },
  ],
});

export { expect };
