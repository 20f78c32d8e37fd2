// MYSQL_URL (mysql://user:password@host:port/database) as the pieces the Node drivers take.

import { ConfigError, requireEnv } from "./env.mjs";

/** `{host, port, user, password, database}` of MYSQL_URL, or a ConfigError saying what is wrong. */
export function mysqlConfig(env) {
  const raw = requireEnv(env, "MYSQL_URL");
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("MYSQL_URL is not a URL (mysql://user:password@host:port/database)");
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!/^mysql:$|^mariadb:$/.test(url.protocol) || database === "") {
    throw new ConfigError("MYSQL_URL must be mysql://user:password@host:port/<database>, naming a database");
  }
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || "root"),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
  };
}
