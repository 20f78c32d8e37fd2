-- The @auth/pg-adapter (1.11.3) tables, as documented for that adapter (reference §2.1).
-- The npm package does not ship a schema file, so this one is written from the documented
-- layout: lower-case unquoted table names, quoted camelCase columns, SERIAL ids, BIGINT
-- expires_at (seconds), TIMESTAMPTZ dates, and no foreign keys, unique constraints or
-- secondary indexes (verification_token's composite primary key is the only index besides
-- the three id primary keys).
--
-- Run by `node interop/peer.mjs --adapter pg --setup upstream-schema` with search_path set to
-- PG_SCHEMA, in one transaction. Plain CREATE TABLE (no IF NOT EXISTS), as upstream: running
-- it on a schema that already has these tables fails and changes nothing.

CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

CREATE TABLE accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);
