using EmailAI.Gateway;
using EmailAI.GatewayHost;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddEmailAIClusterClient();
builder.AddEmailAIGateway();

var app = builder.Build();
app.MapEmailAIGateway();
app.Run();
