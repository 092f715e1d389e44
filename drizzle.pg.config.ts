// drizzle-kit configuration for the PostgreSQL store: where its schema is and where its generated migrations go.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/pg/schema.ts',
  out: './drizzle/pg',
});
