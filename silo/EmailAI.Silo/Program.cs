using EmailAI.Gateway;
using EmailAI.Hosting;
using EmailAI.Silo;

// A silo node: grains and storage only. Gateways (gateway/EmailAI.GatewayHost) reach it as Orleans clients
// through its gateway port (EmailAI:Cluster:GatewayPort, 30000 unless set).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(SiloNodeDefaults.For(builder.Configuration));
builder.AddEmailAISilo();
builder.AddEmailAITelemetry();
var admin = builder.Configuration.GetSection(EmailAIOptions.Section).Get<EmailAIOptions>()?.Admin ?? new AdminOptions();
builder.WebHost.UseUrls($"http://{admin.ListenAddress}:{admin.Port}");

var app = builder.Build();
app.MapEmailAIHealth();
app.Run();
