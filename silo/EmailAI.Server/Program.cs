using EmailAI.Gateway;
using EmailAI.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddEmailAIEmbeddedSilo();
builder.AddEmailAIGateway();

var app = builder.Build();
app.MapEmailAIGateway();
app.Run();
