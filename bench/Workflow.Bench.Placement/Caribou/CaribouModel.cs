namespace Workflow.Bench.Placement.Caribou;

/// <summary>
/// The constants of Caribou's model, in one place (DESIGN §7, read from Caribou's
/// <c>deployment_input/components/calculators/carbon_calculator.py</c>, <c>cost_calculator.py</c>,
/// <c>common/constants.py</c> and <c>docs/metrics_manager.md</c>).
/// </summary>
internal static class CaribouModel
{
    /// <summary>Lambda's memory per vCPU (metrics_manager.md: vCPUs = memory_mb / 1769).</summary>
    public const double MemoryMbPerVcpu = 1769;

    /// <summary>kW per vCPU idle and at full load (datacenter loader's min/max CPU power: 0.74 W .. 3.5 W per vCPU, in kW).</summary>
    public const double MinCpuPowerKw = 0.00074;
    public const double MaxCpuPowerKw = 0.0035;

    /// <summary>CPU utilisation when none is measured (workflow loader's default).</summary>
    public const double Utilisation = 0.5;

    /// <summary>kW per GB of memory (datacenter loader's average memory power).</summary>
    public const double MemoryPowerKwPerGb = 0.0003725;

    /// <summary>kWh per GB moved (carbon_calculator's energy_factor_of_transmission as DESIGN §7 fixes it: 0.001).</summary>
    public const double TransmissionKwhPerGb = 0.001;

    /// <summary>common/constants.py TAIL_LATENCY_THRESHOLD: tails are the 95th percentile.</summary>
    public const double TailPercentile = 95;

    /// <summary>Bytes in a GB where Caribou's loaders convert sizes (assumed: 1024³, as memory MB → GB divides by 1024).</summary>
    public const double BytesPerGb = 1024.0 * 1024 * 1024;

    /// <summary>Monte Carlo: batches of 200 up to 2,000 samples (simple_deployment_metrics_calculator.py, the version with max_number_of_iterations = 2000 and batch_size = 200).</summary>
    public const int Samples = 2000;
    public const int BatchSize = 200;
}
