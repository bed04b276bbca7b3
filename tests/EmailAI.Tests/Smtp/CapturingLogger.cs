using Microsoft.Extensions.Logging;

namespace EmailAI.Tests.Smtp;

/// <summary>Keeps every formatted log line, in order, for assertions on log text.</summary>
public sealed class CapturingLogger<TCategory> : ILogger<TCategory>
{
    public List<string> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add(formatter(state, exception));
}
