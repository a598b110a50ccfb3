// Listening on a port the operator named: every way it fails becomes a sentence that says what to do.
import { CliError } from './errors.js';

/**
 * Listens, or explains in a sentence why the address or port cannot be had: `flag` names the port, `addressFlag` the
 * address (the same flag when it takes both, as --stratum HOST:PORT does).
 */
export async function listenOrExplain(
  listen: () => Promise<unknown>,
  flag: string,
  port: number,
  bind: string,
  addressFlag = '--bind',
) {
  try {
    await listen();
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') {
      throw new CliError(`Port ${port} is in use on ${bind}: stop what listens there, or give ${flag} another port.`);
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new CliError(`${bind} is not an address of this machine: give ${addressFlag} one of its own, or 0.0.0.0.`);
    }
    if (code === 'EACCES') {
      throw new CliError(`Port ${port} needs privileges this user does not have: give ${flag} a port from 1024 up.`);
    }
    throw error;
  }
}
