"""The results cache of ``check``: what the per-file pass found in a file, kept for the next run over the same
bytes with the same rules, options and jointgov.

A result is found again only under a key that covers everything it depends on (``keys.run_key``): the jointgov
version and a fingerprint of its code, the Python, PyYAML and rule-engine builds, the rule catalogue's digest
(every rule file, built in or ``--rules``), every option of the run that reaches a file's result (the date,
the rules chosen, severities, parameters, limits), the stress scenarios when they run, and what the
repository rules take from each agreement; then, per file, its path as reported, whether the configuration's
``agreements`` globs name it, and the SHA-256 of its bytes (``keys.file_key``). The repository pass is kept
under the run's key, the register's digest and the digests of every agreement it saw (``keys.repository_key``).
A result is stored under the digest of the bytes it was made from (the worker's own read), never the digest of
an earlier read, so an edit between the two can only cause a miss. Nothing is stored from a check that did not
finish (``run.RunCache``).

Storage (``store.ResultsCache``): one SQLite database, ``results/results.sqlite`` in the catalogue's cache
directory (``jointgov.pipeline.catalogue.cache_dir``), so concurrent runs are serialised by SQLite's own
locking; a write that cannot take the lock in time is skipped, never waited for without end. The values are
pickles of jointgov's own result types, compressed, read back by an unpickler that can build only those types
and a few plain ones (``store.ALLOWED``): a hostile cache cannot run code. Each value names its own key and is
compressed with a checksum, so the database is written without waiting for the disk: a row torn by a crash of
the machine, or moved under another key, is a miss, as is anything unreadable, from another version or of the
wrong shape; a database that cannot be opened or written means no cache for the run, silently. The database
is bounded (``store.max_bytes``: ``$JOINTGOV_CACHE_MAX_BYTES``, else 128 MB): past the bound, the least
recently used results go. The directory may be deleted at any time.
"""
