using EmailAI.Gateway;
using EmailAI.Gateway.Smtp;
using EmailAI.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

// Settings files are read from beside the program, wherever it is started from; the data directory
// (EmailAI:DataDirectory, default ./data) stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddEmailAISilo();
builder.AddEmailAIGateway();
// The gateway's grain calls go through the co-hosted silo: its response timeout bounds an ingest call.
builder.Services.AddSingleton(sp => new IngestCallBudget(sp.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout));

var app = builder.Build();
app.MapEmailAIGateway();
app.Run();
