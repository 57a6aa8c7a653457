import Testing
@testable import WokServer

/// `max_connections` and `max_refusals` fitted under the descriptor limit, leaving the reserve.
struct DescriptorBudgetTests {
    @Test func boundsThatFitStandAsConfigured() throws {
        // 1000 + 100 + 20 in use + 64 reserved + 16 for accepting = 1200: exactly the limit.
        let budget = try #require(DescriptorBudget(softLimit: 1200, inUse: 20, reserve: 64, maxConnections: 1000, maxRefusals: 100))
        #expect(budget.maxConnections == 1000)
        #expect(budget.maxRefusals == 100)
        #expect(!budget.lowered)
    }

    @Test func oneDescriptorShortLowersTheRefusalsFirst() throws {
        let budget = try #require(DescriptorBudget(softLimit: 1199, inUse: 20, reserve: 64, maxConnections: 1000, maxRefusals: 100))
        #expect(budget.maxConnections == 1000)
        #expect(budget.maxRefusals == 99)
        #expect(budget.lowered)
        #expect(budget.neededLimit == 1200)
    }

    @Test func theDefaultsUnderALowLimitLeaveTheReserve() throws {
        // 256 - 15 - 64 - 16 = 161 for both; refusals keep 161 / 16 = 10.
        let budget = try #require(DescriptorBudget(softLimit: 256, inUse: 15, reserve: 64, maxConnections: 20_000, maxRefusals: 1000))
        #expect(budget.available == 161)
        #expect(budget.maxRefusals == 10)
        #expect(budget.maxConnections == 151)
        #expect(budget.maxConnections + budget.maxRefusals + 15 + 64 + DescriptorBudget.acceptSlack == 256)
        #expect(budget.acceptBound == 151 + 10 + 8)
        #expect(budget.warning.contains("ulimit -n) is 256"))
        #expect(budget.warning.contains("max_connections lowered to 151, max_refusals to 10"))
        #expect(budget.warning.contains("at least 21095"))
    }

    @Test func connectionsComeFirstAndRefusalsTakeTheRest() throws {
        let budget = try #require(DescriptorBudget(softLimit: 256, inUse: 15, reserve: 64, maxConnections: 50, maxRefusals: 1000))
        #expect(budget.maxConnections == 50)
        #expect(budget.maxRefusals == 111)
    }

    @Test func aSmallMaxRefusalsIsNotRaised() throws {
        let budget = try #require(DescriptorBudget(softLimit: 256, inUse: 15, reserve: 64, maxConnections: 20_000, maxRefusals: 3))
        #expect(budget.maxRefusals == 3)
        #expect(budget.maxConnections == 158)
    }

    @Test func twoDescriptorsAreTheLeastToStartWith() throws {
        let budget = try #require(DescriptorBudget(softLimit: 97, inUse: 15, reserve: 64, maxConnections: 20_000, maxRefusals: 1000))
        #expect(budget.maxConnections == 1)
        #expect(budget.maxRefusals == 1)
        #expect(DescriptorBudget(softLimit: 96, inUse: 15, reserve: 64, maxConnections: 20_000, maxRefusals: 1000) == nil)
    }

    @Test func anUnboundedLimitLowersNothing() throws {
        let budget = try #require(DescriptorBudget(softLimit: .max, inUse: 15, reserve: 64, maxConnections: .max / 2, maxRefusals: 1000))
        #expect(!budget.lowered)
    }
}
