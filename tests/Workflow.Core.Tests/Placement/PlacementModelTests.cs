using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>Caribou's constants and formulas (DESIGN §7), on cases worked out by hand.</summary>
public sealed class PlacementModelTests
{
    [Fact]
    public void Caribous_constants_are_the_ones_the_design_names()
    {
        Assert.Equal(1769, PlacementModel.MemoryMbPerVCpu);
        Assert.Equal(0.00074, PlacementModel.MinCpuPowerKw);
        Assert.Equal(0.0035, PlacementModel.MaxCpuPowerKw);
        Assert.Equal(0.5, PlacementModel.DefaultCpuUtilisation);
        Assert.Equal(0.0003725, PlacementModel.MemoryPowerKwPerGb);
        Assert.Equal(1.11, PlacementModel.DefaultPue);
        Assert.Equal(0.001, PlacementModel.TransmissionKwhPerGb);
        Assert.Equal(1.66667e-5, PlacementModel.DefaultComputePricePerGbSecond);
        Assert.Equal(2e-7, PlacementModel.DefaultRequestPrice);
        Assert.Equal(0.02, PlacementModel.DefaultTransferPricePerGb);
    }

    [Fact]
    public void A_vCPU_is_1769_MB_and_draws_2_12_W_at_half_load()
    {
        Assert.Equal(1.0, PlacementModel.VCpus(1769), 12);
        Assert.Equal(0.5, PlacementModel.VCpus(884.5), 12);
        // 0.00074 + 0.5 × (0.0035 − 0.00074) = 0.00212 kW
        Assert.Equal(0.00212, PlacementModel.CpuPowerKw(), 12);
        Assert.Equal(0.0035, PlacementModel.CpuPowerKw(1), 12);
    }

    [Fact]
    public void One_step_of_1769_MB_for_an_hour_at_PUE_1_11_on_100_g_per_kWh_emits_0_3067_g()
    {
        // (0.00212 kW × 1 vCPU + 0.0003725 kW/GB × 1769/1024 GB) × 1 h × 1.11 × 100 g/kWh
        Assert.Equal(0.3067494213867188, PlacementModel.ExecutionCarbonGrams(3600, 1769, 1.11, 100), 12);
        Assert.Equal(0, PlacementModel.ExecutionCarbonGrams(0, 1769, 1.11, 100));
    }

    [Fact]
    public void Moving_1_GB_between_grids_of_100_and_300_emits_0_2_g()
    {
        Assert.Equal(0.2, PlacementModel.TransmissionCarbonGrams(1, 100, 300), 12);
        // Inside one region both ends are its own grid.
        Assert.Equal(0.1, PlacementModel.TransmissionCarbonGrams(1, 100, 100), 12);
    }

    [Fact]
    public void Cost_is_GB_seconds_plus_the_request_plus_GB_leaving_the_region()
    {
        // 1 GB for 10 s at 1.66667e-5 USD/GB-s, plus 2e-7 for the request.
        Assert.Equal(1.66867e-4, PlacementModel.ExecutionCostUsd(10, 1024, 1.66667e-5, 2e-7), 12);
        Assert.Equal(0.04, PlacementModel.TransferCostUsd(2, 0.02, sameRegion: false), 12);
        Assert.Equal(0, PlacementModel.TransferCostUsd(2, 0.02, sameRegion: true));
    }
}
