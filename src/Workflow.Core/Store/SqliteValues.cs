using System;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Workflow.Store;

/// <summary>
/// How values are kept in the SQLite store. Times are unix milliseconds (INTEGER, UTC): exact to the
/// millisecond, compact, and they sort as numbers. States are their enum names, so the file reads plainly.
/// </summary>
internal static class SqliteValues
{
    public static object Db(string? value) => value ?? (object)DBNull.Value;

    public static object Db(int? value) => value ?? (object)DBNull.Value;

    public static object Db(DateTimeOffset? value) => value is { } time ? ToDb(time) : DBNull.Value;

    public static long ToDb(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? NullableTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Time(reader, ordinal);

    public static string? NullableString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static int? NullableInt(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static T State<T>(SqliteDataReader reader, int ordinal)
        where T : struct
    {
        var text = reader.GetString(ordinal);
        if (Enum.TryParse<T>(text, ignoreCase: false, out var state))
        {
            return state;
        }
        throw new FormatException(string.Format(CultureInfo.InvariantCulture, "The store holds an unknown {0} '{1}'.", typeof(T).Name, text));
    }

    /// <summary>Adds a named parameter once, so a reused command only sets its value.</summary>
    public static SqliteParameter Parameter(SqliteCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = Command(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }
}
