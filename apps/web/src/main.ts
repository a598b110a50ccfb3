// The page's entry: /classroom shows the classroom view, every other path the contributor page. Each loads only
// its own code; neither starts a miner (only the contributor's Start button does).
const CLASSROOM_PATH = '/classroom';

/** Storage can be refused (a private window, a blocked site): the page then keeps its choices in memory only. */
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

async function showClassroom(): Promise<void> {
  const [{ StatsPoller }, { describeProgram }, { takeTeacherToken }] = await Promise.all([
    import('./stats/stats-poller.js'),
    import('@rxmesh/wasm'),
    import('./classroom/teacher-token.js'),
    import('./classroom/rx-classroom.js'),
  ]);
  const view = document.createElement('rx-classroom');
  view.stats = new StatsPoller();
  view.teacherToken = takeTeacherToken({ location, history, storage: sessionStorageOrNull() });
  view.settings = localStorageOrNull();
  view.describe = (input) => describeProgram(input);
  document.body.append(view);
}

async function showContributorPage(): Promise<void> {
  const [{ StatsPoller }, { createBrowserTabMiner }, { createBrowserBackend }, { joinFromPage }] = await Promise.all([
    import('./stats/stats-poller.js'),
    import('./mining/browser-tab-miner.js'),
    import('./mining/browser-backend.js'),
    import('./mesh/page-join.js'),
    import('./app/rx-app.js'),
  ]);
  const app = document.createElement('rx-app');
  app.miner = createBrowserTabMiner(createBrowserBackend(joinFromPage));
  app.stats = new StatsPoller();
  document.body.append(app);
  await app.miner.init();
}

function showFailure(error: unknown): void {
  const message = document.createElement('p');
  message.setAttribute('role', 'alert');
  message.className = 'load-failure';
  message.textContent = `The page could not load (${error instanceof Error ? error.message : String(error)}). Reload it; if this stays, tell the cluster's operator.`;
  document.body.append(message);
}

const path = location.pathname.replace(/\/+$/, '');
(path === CLASSROOM_PATH ? showClassroom() : showContributorPage()).catch(showFailure);
