using EmailAI.Gateway;
using EmailAI.Hosting;

// Settings files are read from beside the program, wherever it is started from; the data directory
// (EmailAI:DataDirectory, default ./data) stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddEmailAISilo();
builder.AddEmailAIGateway();

var app = builder.Build();
app.MapEmailAIGateway();
app.Run();
