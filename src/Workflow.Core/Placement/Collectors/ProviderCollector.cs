using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// The provider collector (Caribou's <c>provider</c>): each region's place, grid zone, PUE and prices,
/// from the bundled region data. Prices are Lambda's list prices (DESIGN §7), the same in every region.
/// </summary>
internal static class ProviderCollector
{
    // AWS Lambda's published x86 list prices in us-east-1 (aws.amazon.com/lambda/pricing, 2024):
    // USD 0.0000166667 per GB-second and USD 0.20 per million requests; data transfer between AWS
    // regions USD 0.02 per GB (aws.amazon.com/ec2/pricing/on-demand, "Data Transfer").
    public const double ComputePricePerGbSecond = 1.66667e-5;
    public const double RequestPrice = 2e-7;
    public const double TransferPricePerGb = 0.02;
    public const string PriceSource = "AWS list price, us-east-1, 2024 (bundled)";

    // Caribou's PUE for every region (carbon_calculator.py); ours only where the data has none.
    public const double AssumedPue = 1.11;
    public const string AssumedPueSource = "assumed: Caribou's 1.11";

    /// <summary>The regions asked for (every bundled one when none is); one the data lacks is PlacementRegionUnknown.</summary>
    public static IReadOnlyList<BundledRegion> Select(IReadOnlyList<string>? regions)
    {
        if (regions == null || regions.Count == 0) return BundledData.Regions;
        return regions.Select(BundledData.Normalize).Distinct().Select(name => BundledData.FindRegion(name)
            ?? throw new WorkflowException(WorkflowErrors.PlacementRegionUnknown,
                $"Region '{name}' is not in the bundled region data. Run Invoke-DataCollector provider to list the regions it knows.", name)).ToList();
    }

    public static CollectionResult Collect(IReadOnlyList<BundledRegion> regions, DateTimeOffset now, IProgress<CollectionProgress>? progress)
    {
        var facts = new List<RegionFacts>();
        foreach (var region in regions)
        {
            progress?.Report(new CollectionProgress("provider", region.Region, facts.Count, regions.Count));
            facts.Add(new RegionFacts
            {
                Region = region.Region,
                Location = region.Location,
                Latitude = region.Latitude,
                Longitude = region.Longitude,
                Zone = region.Zone,
                Pue = region.Pue ?? AssumedPue,
                PueSource = region.Pue != null ? BundledData.Invariant($"AWS-published PUE {region.MetadataYear} ({BundledData.RegionsSource})") : AssumedPueSource,
                ComputePricePerGbSecond = ComputePricePerGbSecond,
                RequestPrice = RequestPrice,
                TransferPricePerGb = TransferPricePerGb,
                PriceSource = PriceSource,
                Source = BundledData.RegionsSource,
                CollectedAt = now,
            });
        }
        return new CollectionResult { Facts = facts };
    }
}
