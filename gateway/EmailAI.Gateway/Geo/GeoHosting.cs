using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EmailAI.Gateway.Geo;

/// <summary>Registers the node's location database.</summary>
public static class GeoHosting
{
    /// <summary>
    /// Binds <see cref="GeoOptions"/> to <c>Geo</c> under <paramref name="emailAiSection"/> (the <c>EmailAI</c>
    /// section), registers <see cref="CountryLocator"/> as the singleton <see cref="ICountryLocator"/> and
    /// <see cref="GeoReloadService"/> for the reload poll. Uses the registered <see cref="TimeProvider"/>
    /// (<see cref="TimeProvider.System"/> when there is none). Call once.
    /// </summary>
    public static IServiceCollection AddEmailAIGeo(this IServiceCollection services, IConfiguration emailAiSection)
    {
        services.Configure<GeoOptions>(emailAiSection.GetSection("Geo"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CountryLocator>();
        services.AddSingleton<ICountryLocator>(sp => sp.GetRequiredService<CountryLocator>());
        services.AddHostedService<GeoReloadService>();
        return services;
    }
}
