using Npgsql;

namespace EmailAI.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresInstanceTests(PostgresFixture fixture)
{
    [Fact]
    public async Task NewDatabase_Connect_AnswersWithFsyncOn()
    {
        var connectionString = await fixture.NewDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SHOW fsync";
        Assert.Equal("on", await command.ExecuteScalarAsync());
        command.CommandText = "SHOW synchronous_commit";
        Assert.Equal("on", await command.ExecuteScalarAsync());
    }
}
