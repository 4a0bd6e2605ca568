/// Every metric name the services export, in one place (deploy/README.md "Monitoring" lists them
/// with their labels; the Grafana dashboard in deploy/grafana/ queries them).
public enum MetricNames {
    // RPC server (every service), labels `method` (package.Service/Method) and `code` (gRPC status).
    public static let rpcCalls = "surat_rpc_server_calls_total"
    public static let rpcCallDuration = "surat_rpc_server_call_duration_seconds"
    /// No labels: calls being handled by the whole server.
    public static let rpcCallsInFlight = "surat_rpc_server_calls_in_flight"
    public static let rpcConnectionsOpen = "surat_rpc_server_connections_open"
    public static let rpcConnections = "surat_rpc_server_connections_total"
    public static let rpcReceivedBytes = "surat_rpc_server_received_bytes_total"
    public static let rpcSentBytes = "surat_rpc_server_sent_bytes_total"
    public static let rpcStreamResetsSent = "surat_rpc_server_stream_resets_sent_total"
    public static let rpcGoAwaysSent = "surat_rpc_server_goaways_sent_total"

    // Process (every service).
    public static let residentMemory = "surat_process_resident_memory_bytes"
    public static let openFileDescriptors = "surat_process_open_fds"
    public static let uptime = "surat_process_uptime_seconds"
    /// Always 1; labels `service`, `version`, `commit`.
    public static let buildInfo = "surat_build_info"
    /// Number of applied migrations per database; label `database`. The identifiers themselves
    /// are in `surat_database_schema_info{database, migration}` (1 for the newest applied).
    public static let schemaMigrations = "surat_database_schema_migrations"
    public static let schemaInfo = "surat_database_schema_info"
    // Database (ServiceKit's DatabaseMetrics), label `database`: gateway, drafting, approval,
    // signing, registry.
    /// Duration of each write transaction's COMMIT (the fsync of the WAL).
    public static let databaseCommitDuration = "surat_database_commit_duration_seconds"
    /// BEGIN to COMMIT/ROLLBACK, label `kind` (`read`, `write`).
    public static let databaseTransactionDuration = "surat_database_transaction_duration_seconds"
    /// How long a write transaction waited for SQLite's write lock (held by another process).
    public static let databaseWriteLockWait = "surat_database_write_lock_wait_seconds"
    /// Reader connections inside a transaction, of `surat_database_readers_max`.
    public static let databaseReadersInUse = "surat_database_readers_in_use"
    public static let databaseReadersMax = "surat_database_readers_max"
    /// 1 while the single writer connection is inside a transaction.
    public static let databaseWriterInUse = "surat_database_writer_in_use"
}
