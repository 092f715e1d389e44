// drizzle-kit configuration for the SQLite store: where the schema is and where generated migrations go.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle/sqlite',
});
