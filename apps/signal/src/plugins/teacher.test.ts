// The teacher's commands: only with the teacher's token, each handed to the gateway, and its outcome told in words.
import type { OperatorCommand } from '@rxmesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../testing/raw-peer.js';
import type { TeacherCommandOutcome } from './teacher.js';

const TOKEN = 'a-teachers-secret-of-some-length';
let server: RunningServer;
let outcome: TeacherCommandOutcome = 'done';
const commands: OperatorCommand[] = [];

beforeAll(async () => {
  server = await startServer({
    teacher: {
      token: TOKEN,
      command: (command) => {
        commands.push(command);
        return outcome;
      },
    },
  });
});

afterAll(async () => {
  await server.app.close();
});

async function post(path: string, token?: string): Promise<{ status: number; message?: string }> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${server.httpUrl}${path}`, { method: 'POST', headers });
  const text = await response.text();
  return text === '' ? { status: response.status } : { status: response.status, ...JSON.parse(text) };
}

describe("the teacher's commands", () => {
  it('hand each command to the gateway with the token, and answer 204', async () => {
    outcome = 'done';
    commands.length = 0;
    expect(await post('/api/teacher/stop-every-tab', TOKEN)).toEqual({ status: 204 });
    expect(await post('/api/teacher/new-lesson', TOKEN)).toEqual({ status: 204 });
    expect(commands).toEqual(['stopEveryTab', 'clearAccounts']);
  });

  it('are refused without the token, or with another one of any length, and reach no gateway', async () => {
    commands.length = 0;
    for (const token of [undefined, 'wrong', `${TOKEN.slice(0, -1)}X`, `${TOKEN}X`]) {
      const answer = await post('/api/teacher/stop-every-tab', token);
      expect(answer.status).toBe(401);
      expect(answer.message).toMatch(/teacher's link/);
    }
    expect(commands).toEqual([]);
  });

  it('say what to do when the gateway cannot carry them out', async () => {
    outcome = 'not coordinating';
    expect(await post('/api/teacher/new-lesson', TOKEN)).toMatchObject({ status: 409, message: /Another peer/ });
    outcome = 'no gateway';
    expect(await post('/api/teacher/stop-every-tab', TOKEN)).toMatchObject({ status: 503, message: /try again/ });
  });

  it('are not taken by a server without a teacher token', async () => {
    const plain = await startServer();
    try {
      const response = await fetch(`${plain.httpUrl}/api/teacher/stop-every-tab`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(404);
    } finally {
      await plain.app.close();
    }
  });
});
