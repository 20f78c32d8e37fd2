// Reading and checking the environment variables that configure each adapter.

/** A bad command line or environment: the process exits non-zero with this message. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}

const HOW_TO_SET = {
  DATABASE_URL: "DATABASE_URL=postgres://…",
  REDIS_URL: "REDIS_URL=redis://…",
  MYSQL_URL: "MYSQL_URL=mysql://…/<database>",
};

/** The value of a required variable, or a ConfigError that says how to provide it. */
export function requireEnv(env, name) {
  const value = env[name];
  if (value === undefined || value === "") {
    const server = HOW_TO_SET[name];
    const hint = server
      ? `run scripts/test, or set ${server} to a server you own`
      : `set ${name}`;
    throw new ConfigError(`${name} is not set: ${hint}`);
  }
  return value;
}

/**
 * PG_SCHEMA: a plain lower-case Postgres identifier, so that it means the same thing unquoted
 * (in search_path and in CREATE SCHEMA) and quoted (as the Rust side may write it).
 */
export function requirePgSchema(env) {
  const schema = requireEnv(env, "PG_SCHEMA");
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      `PG_SCHEMA must match [a-z_][a-z0-9_]{0,62} (a lower-case unquoted identifier), got ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}
