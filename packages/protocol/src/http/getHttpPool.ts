import { Pool } from 'undici';

const pools = new Map<string, Pool>();

/**
 * The process's keep-alive connection pool for an origin (`http://127.0.0.1:8545`): every client of the process
 * (twenty node daemons, twenty SDK apps) reuses its sockets. Idle sockets do not keep the process alive, and a
 * socket the server closed is replaced on the next request.
 *
 * @example
 * const pool = getHttpPool('http://127.0.0.1:8545');
 */
export function getHttpPool(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin);
    pools.set(origin, pool);
  }
  return pool;
}
