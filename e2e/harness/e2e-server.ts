// The `rxmesh serve` that playwright.config.ts starts for the browser tests, as the tests know it.

export const E2E_PORT = 18_080;
/** The server's data directory (cluster key, teacher's token) lives with the test results, not the user's. */
export const E2E_DATA_DIR = 'test-results/e2e-serve';
/** Who the consent page says runs the cluster. */
export const E2E_OPERATOR = 'the rxmesh browser tests';
/** A share every 2 s per tab instead of 15, so that a tab's first accepted share comes within seconds. */
export const E2E_SHARE_SECONDS = 2;
/**
 * The tag of the tests that also run at a phone's size (the phone project runs only these): the pages' layout. What
 * mines, measures or drives another browser runs once, at desktop size.
 */
export const PHONE_TOO = '@phone-too';
