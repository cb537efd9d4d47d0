namespace Workflow.Placement;

/// <summary>
/// Caribou's carbon and cost model (DESIGN §7), every constant in one place with its source. The
/// solver and the evaluator use these and nothing else, so a constant changes here or nowhere.
/// Units: seconds, MB of memory, GB of data (2^30 bytes), kW, gCO2eq/kWh, grams, USD.
/// </summary>
public static class PlacementModel
{
    /// <summary>
    /// MB of Lambda memory that buy one vCPU. Source: AWS Lambda "Configuring memory" (1,769 MB =
    /// one vCPU), as Caribou's workflow loader (get_vcpu) and DESIGN §7 use it.
    /// </summary>
    public const double MemoryMbPerVCpu = 1769;

    /// <summary>kW per vCPU at idle. Source: Caribou docs/metrics_manager.md, provider_region_table example (min_cpu_power_kWh 0.00074); DESIGN §7.</summary>
    public const double MinCpuPowerKw = 0.00074;

    /// <summary>kW per vCPU at full load. Source: Caribou docs/metrics_manager.md, provider_region_table example (max_cpu_power_kWh 0.0035); DESIGN §7.</summary>
    public const double MaxCpuPowerKw = 0.0035;

    /// <summary>
    /// CPU utilisation when none is measured. Source: DESIGN §7 ("u = 0.5 unless measured");
    /// Caribou reads a measured one (workflow_loader.get_average_cpu_utilization); we collect none.
    /// </summary>
    public const double DefaultCpuUtilisation = 0.5;

    /// <summary>kW per GB of memory. Source: Caribou docs/metrics_manager.md, provider_region_table example (average_memory_power 3.725e-4); DESIGN §7.</summary>
    public const double MemoryPowerKwPerGb = 0.0003725;

    /// <summary>MB in the GB of memory power and GB-second price. Source: Caribou carbon_calculator.py and cost_calculator.py ("memory / 1024").</summary>
    public const double MemoryMbPerGb = 1024;

    /// <summary>PUE where the provider publishes none. Source: Caribou docs/metrics_manager.md, provider_region_table example ("pue": 1.11); DESIGN §7.</summary>
    public const double DefaultPue = 1.11;

    /// <summary>
    /// kWh per GB moved between (or inside) regions. Source: DESIGN §7 (0.001 kWh/GB), the factor
    /// Caribou's carbon calculator tests pass (energy_factor_of_transmission=0.001).
    /// </summary>
    public const double TransmissionKwhPerGb = 0.001;

    /// <summary>Bytes in a GB of data moved. Assumed: 2^30, as AWS bills data transfer (GiB).</summary>
    public const double BytesPerGb = 1024.0 * 1024.0 * 1024.0;

    /// <summary>USD per GB-second where the region's price is unknown. Source: DESIGN §7 (AWS Lambda x86 us-east-1, 1.66667e-5).</summary>
    public const double DefaultComputePricePerGbSecond = 1.66667e-5;

    /// <summary>USD per request where the region's price is unknown. Source: DESIGN §7 (AWS Lambda, 2e-7).</summary>
    public const double DefaultRequestPrice = 2e-7;

    /// <summary>USD per GB leaving a region for another where the price is unknown. Source: DESIGN §7; Caribou docs/metrics_manager.md (provider_data_transfer 0.02).</summary>
    public const double DefaultTransferPricePerGb = 0.02;

    /// <summary>vCPUs a step of <paramref name="memoryMb"/> MB gets (Lambda's proportional share).</summary>
    public static double VCpus(double memoryMb) => memoryMb / MemoryMbPerVCpu;

    /// <summary>kW one vCPU draws at utilisation <paramref name="utilisation"/> (0..1), linear between idle and full load as Caribou's carbon calculator.</summary>
    public static double CpuPowerKw(double utilisation = DefaultCpuUtilisation) =>
        MinCpuPowerKw + utilisation * (MaxCpuPowerKw - MinCpuPowerKw);

    /// <summary>kW a step of <paramref name="memoryMb"/> MB draws: its vCPUs' power plus its memory's, before PUE.</summary>
    public static double StepPowerKw(double memoryMb, double utilisation = DefaultCpuUtilisation) =>
        CpuPowerKw(utilisation) * VCpus(memoryMb) + MemoryPowerKwPerGb * memoryMb / MemoryMbPerGb;

    /// <summary>
    /// Grams CO2eq of running <paramref name="runtimeSeconds"/> at <paramref name="memoryMb"/> MB in a data
    /// centre of <paramref name="pue"/> on a grid of <paramref name="gramsPerKwh"/>:
    /// runtime/3600 × (CPU power × vCPUs + memory power × GB) × PUE × CI (DESIGN §7; Caribou
    /// carbon_calculator.py, _calculate_execution_carbon).
    /// </summary>
    public static double ExecutionCarbonGrams(double runtimeSeconds, double memoryMb, double pue, double gramsPerKwh) =>
        runtimeSeconds / 3600 * StepPowerKw(memoryMb) * pue * gramsPerKwh;

    /// <summary>
    /// Grams CO2eq of moving <paramref name="gigabytes"/> from a grid of <paramref name="ciFrom"/> to one of
    /// <paramref name="ciTo"/>: GB × 0.001 kWh/GB × the mean of the two (inside one region both are its
    /// own). Source: DESIGN §7; Caribou carbon_calculator.py, _calculate_data_transfer_carbon.
    /// </summary>
    public static double TransmissionCarbonGrams(double gigabytes, double ciFrom, double ciTo) =>
        gigabytes * TransmissionKwhPerGb * (ciFrom + ciTo) / 2;

    /// <summary>
    /// USD of one invocation: GB-second price × GB × runtime + the request price (DESIGN §7; Caribou
    /// cost_calculator.py, _calculate_execution_cost).
    /// </summary>
    public static double ExecutionCostUsd(double runtimeSeconds, double memoryMb, double computePricePerGbSecond, double requestPrice) =>
        computePricePerGbSecond * memoryMb / MemoryMbPerGb * runtimeSeconds + requestPrice;

    /// <summary>
    /// USD of moving <paramref name="gigabytes"/> out of a region: the region's egress price per GB, nothing
    /// inside one region (Caribou cost_calculator.py, _calculate_data_transfer_cost).
    /// </summary>
    public static double TransferCostUsd(double gigabytes, double transferPricePerGb, bool sameRegion) =>
        sameRegion ? 0 : gigabytes * transferPricePerGb;
}
