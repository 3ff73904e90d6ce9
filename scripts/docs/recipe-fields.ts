/**
 * One sentence per recipe field for the generated recipe reference. Keys are dotted paths
 * (`training.split.seed`); source fields are keyed `source.<type>.<field>`. The generator fails
 * when a schema field has no entry here or an entry names a field the schema does not have, so
 * the reference cannot silently drift from the schema.
 */
export const SECTION_INTROS: Readonly<Record<string, string>> = {
  '': 'The top level of a recipe document. Unknown keys are rejected here and in every section below.',
  schema: 'Which columns of the fetched table hold users, items and (optionally) timestamps.',
  cleansing: 'Row filters applied to the fetched table before the split.',
  item_metadata:
    'Item attributes joined into recommendation responses by `recotem serve`. Training never reads this file.',
  training: 'The hyper-parameter search: which algorithms compete, how they are scored and for how long.',
  'training.split': 'How interactions are divided into a training part and a held-out part for scoring trials.',
  output: 'Where the signed artifact is written.',
  'output.promotion_gate':
    'Conditions a new model must meet before it replaces the published one. The first gated run draws a frozen holdout (a seeded sample of users and some of their interactions) that is removed from training and stored in the artifact; every later run scores the new model, the published one and TopPop on those same unseen interactions and refuses to publish (exit 9, event `promotion_refused`) when the new model is worse by more than `max_regression`.',
  serving: 'How `recotem serve` answers requests for this recipe.',
  events:
    'Real-time events sent to `POST /v1/recipes/{name}:events`: where they are stored, how long they are kept, and whether `:recommend` and the next `recotem train` use them. Absent: the endpoint answers 404 `EVENTS_NOT_ENABLED` and nothing else changes.',
};

export const FIELD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  name: 'Recipe name; also the name in the API paths (`/v1/recipes/{name}:recommend`). Unique per recipes directory.',
  source: 'Where the interactions come from; `type` selects the data source (see [Sources](#sources)).',
  schema: 'Column mapping.',
  cleansing: 'Row filters.',
  item_metadata: 'Item attributes for responses; absent means responses carry `item_id` and `score` only.',
  training: 'Search settings.',
  output: 'Artifact location.',
  serving: 'Serving behaviour.',
  events: 'Real-time events; absent means the recipe takes none.',

  'schema.user_column': 'Column holding user ids (read as strings).',
  'schema.item_column': 'Column holding item ids (read as strings).',
  'schema.time_column':
    'Column holding interaction times: numbers (epoch in `time_unit`) or ISO-8601 strings. Required by the `time_user` and `time_global` split schemes.',
  'schema.time_unit': 'Unit of a numeric `time_column`; required when that column is numeric, ignored otherwise.',

  'cleansing.drop_null_ids': 'Drop rows whose user or item id is missing.',
  'cleansing.dedup':
    'What to do with repeated (user, item) pairs: keep the first or last occurrence in source order, or keep all.',
  'cleansing.min_rows': 'Fail training (exit 4) when fewer rows than this remain after cleansing.',
  'cleansing.min_users': 'Fail training (exit 4) when fewer distinct users than this remain.',
  'cleansing.min_items': 'Fail training (exit 4) when fewer distinct items than this remain.',

  'item_metadata.type': 'File format of the metadata file.',
  'item_metadata.path':
    'Local path or URI of the metadata file (same rules as `source.path`); relative paths are relative to the working directory of `recotem serve`.',
  'item_metadata.sha256': 'Lower-case hex SHA-256 of the file; required for `http`/`https` paths.',
  'item_metadata.fields': 'Columns copied into every recommended item, after `item_id` and `score`.',
  'item_metadata.on_field_missing':
    '`error`: a listed field missing from the file fails the model load; `null`: the field is filled with `null`.',
  'item_metadata.item_id_column': 'Column holding the item id that matches `schema.item_column`.',
  'item_metadata.filterable':
    'Fields that recommend requests may filter on (`filter: {field: {eq|in|nin|gte|lte: value}}`, applied before the top `limit` cut); each must also be listed in `fields`. A field removed by `RECOTEM_METADATA_FIELD_DENY` cannot be filtered on.',

  'training.algorithms':
    'Algorithms that compete in the search; aliases and class names are accepted in any letter case, and duplicates are dropped.',
  'training.metric': 'Ranking metric the search maximises on the held-out interactions.',
  'training.cutoff': 'Length of the ranked list the metric is computed on (e.g. nDCG@20).',
  'training.n_trials': 'Total number of search trials across all algorithms.',
  'training.per_algorithm_trials':
    'Trial budget per algorithm; every key must name (or alias) an entry of `algorithms`. Without it, an in-memory search shares `n_trials` by successive halving: each algorithm gets a few trials (TopPop one), then the better half gets twice as many, until the best takes the rest.',
  'training.per_trial_timeout_seconds': 'A trial still training after this long is stopped and counted as timed out.',
  'training.timeout_seconds': 'No new trial starts once the search has run this long; running trials finish normally.',
  'training.parallelism':
    'Number of trials run at the same time. With 1, the trial in flight uses every core; with more, each trial uses one.',
  'training.storage_path':
    'Persist the search so a rerun with the same `--run-id` resumes it: a `postgresql://`, `mysql://` or `sqlite://` URL (no embedded credentials) or a file path (SQLite). Empty keeps the search in memory.',
  'training.split': 'Split settings.',

  'training.split.scheme':
    '`random`: hold out random interactions of each user; `time_user`: each user’s most recent ones; `time_global`: everything after a global time cut-off.',
  'training.split.heldout_ratio':
    'Share of interactions held out (per user for `random`/`time_user`, overall for `time_global`).',
  'training.split.test_user_ratio': 'Share of users whose held-out interactions are scored.',
  'training.split.seed': 'Seed of the split and of the search; the same data, recipe and seed give the same result.',

  'output.path':
    'Artifact location: a local path (relative to the working directory of `recotem train`), `file://`, `s3://`, `gs://`, `az://`, `abfs://` or `abfss://` URI.',
  'output.versioning':
    '`append_sha`: write `<stem>.<sha8>.recotem` next to `path` and make `path` a small pointer file naming it (earlier versions stay); `always_overwrite`: replace the file at `path`.',
  'output.promotion_gate': 'Promotion conditions checked by `recotem train` on a frozen holdout before publishing.',
  'output.promotion_gate.max_regression':
    'Largest allowed relative drop of the metric compared with the currently published model (0.05 = 5 %).',
  'output.promotion_gate.compare_to_toppop':
    'Also refuse a model that scores more than `max_regression` below TopPop on the holdout.',

  'serving.unknown_user':
    '`error`: `:recommend` answers 404 `UNKNOWN_USER` for users not seen in training; `popular`: answer with the most popular items instead.',
  'serving.max_history':
    'Most `seed_items` a `:recommend-related` request, and most `history` items a `:recommend` request, may carry (seeds are capped at 100 in any case).',

  'events.store':
    'Where events are kept. Absent: the SQLite file `<output dir>/<name>.events.db` next to the artifact (WAL mode, synchronous commits). `postgresql://host[:port]/database` shares one store between serving replicas; credentials come from `PGUSER`/`PGPASSWORD`, `PGPASSFILE` or `~/.pgpass` and may not appear in the URL. A plain path or `sqlite:///path` names another SQLite file. Required when `output.path` is an object-store URI.',
  'events.retention_days':
    'Events whose event time is older than this many days are deleted by the server in the background (and not read by training).',
  'events.realtime':
    "`:recommend` and `:batch-recommend` fold the user's events received after the served model was trained into their history (at most `serving.max_history` items, newest first): a known user's recommendations change at once, an unknown user with events gets personal recommendations, and items they acted on are not recommended.",
  'events.include_in_training':
    '`recotem train` adds the stored events within retention to the source rows before cleansing; the report and `train_done` give the count as `n_event_rows`.',
  'events.event_types':
    'Accepted `event_type` values and their weights (how strongly an event of that type counts when folded in; 0 = stored but ignored). An event with another type gets an element error `unknown_event_type`; an event without a type weighs 1. Absent: any type, weight 1.',

  'source.csv.type': 'Selects the CSV source.',
  'source.csv.path':
    'Local path or URI: `file://`, `s3://`, `gs://`, `az://`, `abfs(s)://`, `http(s)://`. A `.gz` or `.zip` (single member) file is decompressed.',
  'source.csv.delimiter': 'Field separator.',
  'source.csv.encoding': 'Text encoding of the file.',
  'source.csv.header': 'Zero-based index of the header row, blank lines not counted; rows above it are skipped.',
  'source.csv.dtype':
    'Column types by name, in pandas spelling (`str`, `int64`, `Int64`, `float64`, `bool`, `boolean`, ...); datetime types are refused (name the column in `schema.time_column` instead). Columns not listed are inferred.',
  'source.csv.sha256': 'Lower-case hex SHA-256 of the file; required for `http`/`https` paths, checked for any path.',

  'source.parquet.type': 'Selects the Parquet source.',
  'source.parquet.path': 'Local path or URI, with the same schemes as the CSV source.',
  'source.parquet.sha256': 'Lower-case hex SHA-256 of the file; required for `http`/`https` paths.',

  'source.bigquery.type': 'Selects the BigQuery source (needs `@google-cloud/bigquery`).',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${...} syntax, shown literally
  'source.bigquery.query': 'Standard SQL; reference parameters as `@name`. Never `${...}`-expanded.',
  'source.bigquery.query_parameters':
    'Named parameters: booleans bind as BOOL, integers as INT64, floats (`5.0` included) as FLOAT64, strings as STRING; other types are refused. Never expanded.',
  'source.bigquery.project':
    'Project that runs (and pays for) the query job; `null` uses the default project of Application Default Credentials.',

  'source.sql.type': 'Selects the SQL source (PostgreSQL, MySQL/MariaDB or SQLite).',
  'source.sql.dsn_env':
    'Name of the environment variable that holds the connection URL (`postgresql://`, `mysql://`, `mariadb://`, `sqlite:///path`). Read from the process environment only (not from `--env-var`), so the URL never appears in the recipe.',
  'source.sql.query':
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own ${...} syntax, shown literally
    'The query, run in a read-only session; reference parameters as `:name`. Never `${...}`-expanded.',
  'source.sql.query_parameters': 'Values bound to the `:name` placeholders, keeping their YAML types. Never expanded.',
  'source.sql.connect_timeout_seconds': 'Connection timeout.',
  'source.sql.statement_timeout_seconds': 'Server-side statement timeout.',
};
