"""Chinese names and sources of the parameters in the bundled ``data/tanyi/parameters.yaml``.

:data:`PARAM_LABELS` maps every parameter key (in the file's order) to a pair: the short Chinese name a
land office would use for it, and its source in Chinese words for a reader of a report. For sourced (S)
and policy-text (R) parameters the source names the document(s); for estimates (E) it reads
"估计值：" followed by the reason. The tag itself is kept in the parameter file, not here.
"""

from __future__ import annotations

__all__ = ["PARAM_LABELS", "param_label", "param_source"]

#: Parameter key -> (Chinese name, Chinese source), in the order of ``data/tanyi/parameters.yaml``.
PARAM_LABELS: dict[str, tuple[str, str]] = {
    "town.name": ("镇名", "费县人民政府公开资料"),
    "town.crs": ("投影坐标系", "2000国家大地坐标系3度带高斯-克吕格投影，中央经线117°E（费县所在带）"),
    "town.seat_xy_m": ("镇驻地坐标", "镇驻地地理编码（北纬35.205°、东经118.142°，GCJ-02坐标，偏差数百米）经投影换算"),
    "town.plan_years": ("规划年度", "探沂镇改革方案（资金投入期2019—2021年）"),
    "funds.county_special_funds": ("县级专项资金", "探沂镇改革方案：2019—2021年县级每年投入本镇专项资金不少于2000万元"),
    "funds.opening_cash": ("收储资金期初余额", "估计值：未公开收储资金期初余额，按零计"),
    "funds.enterprise_support_share": (
        "企业扶持资金占比",
        "估计值：改革方案以贷款贴息、以奖代补等方式扶持企业和土地收储，未定分配比例，默认全部用于土地",
    ),
    "funds.industrial_reward_per_mu": (
        "工业用地以奖代补标准",
        "估计值：改革方案将以奖代补与投资、税收挂钩，但未公布每亩标准，默认为零",
    ),
    "funds.mining_rights_income": (
        "县级矿业权出让收益",
        "估计值：改革方案明确县级矿业权出让收益优先用于本镇，未公布金额，默认为零",
    ),
    "financing.bank_loans_allowed": (
        "是否允许土地储备银行贷款",
        (
            "财政部 国土资源部 中国人民银行 中国银行业监督管理委员会关于规范土地储备和资金管理等相关问题的通知"
            "（财综〔2016〕4号）"
        ),
    ),
    "financing.special_bond_rate": (
        "土地储备专项债券利率",
        "估计值：参照2019—2021年地方政府专项债券发行利率（财预〔2017〕62号）",
    ),
    "financing.special_bond_term": ("专项债券期限", "估计值：财预〔2017〕62号要求债券期限与项目周期匹配，通常3—5年"),
    "financing.special_bond_max_per_year": ("专项债券年度额度上限", "估计值：未公布本镇专项债券额度，按县级分配假定"),
    "financing.company_rate": ("融资公司借款利率", "估计值：改革方案设立的镇融资公司借款利率，假定"),
    "financing.company_debt_ceiling": ("融资公司债务上限", "估计值：未公布融资公司债务上限，假定"),
    "financing.company_term": ("融资公司借款期限", "估计值：融资公司借款还款期限，假定"),
    "financing.special_bond_early_repayment": (
        "是否允许专项债券提前偿还",
        "地方政府土地储备专项债券管理办法（试行）（财预〔2017〕62号）",
    ),
    "financing.bank_rate": ("银行贷款利率", "估计值：1—5年期贷款基准利率4.75%加上浮；仅在允许银行贷款时使用"),
    "financing.bank_term": ("银行贷款期限", "估计值：土地储备银行贷款期限，假定；仅在允许银行贷款时使用"),
    "financing.bank_debt_ceiling": ("银行贷款债务上限", "估计值：土地储备银行贷款上限，假定；仅在允许银行贷款时使用"),
    "financing.debt_at_horizon_end": (
        "期末债务处理方式",
        "估计值：建模选择，默认规划期末还清全部债务（稳健）；可选以期末储备土地估值覆盖剩余债务",
    ),
    "financing.stock_value_share": (
        "期末储备土地估值比例",
        "估计值：期末仍持有的储备土地按收储及前期开发成本的一定比例稳健估值，仅用于覆盖期末债务",
    ),
    "acquisition.collective_land_compensation": (
        "集体土地征收补偿标准",
        "估计值：未查到费县区片综合地价，耕地按每亩5.5—7万元取中值",
    ),
    "acquisition.social_security": ("被征地农民社会保障费用", "估计值：按每亩1.5—3万元取中值"),
    "acquisition.young_crops_attachments": ("青苗及地上附着物补偿", "估计值：未查到费县标准，假定"),
    "acquisition.collective_construction_factor": (
        "集体建设用地补偿系数",
        "估计值：宅基地、村办工业等集体建设用地补偿高于耕地，系数假定",
    ),
    "acquisition.state_buyback": ("国有土地收回收购补偿", "估计值：按现状用途分类，未查到费县标准，假定"),
    "acquisition.house_demolition": ("农村房屋拆迁补偿", "估计值：农村房屋按建筑面积每平方米800—1500元取中值"),
    "acquisition.resettlement_per_household": ("户均搬迁安置补助", "估计值：每户过渡费和搬家补助，假定"),
    "acquisition.homestead_mu_per_household": (
        "户均宅基地面积",
        "估计值：地块无户数时使用；山东宅基地标准常引为每户0.2—0.3亩，连同院落假定",
    ),
    "acquisition.homestead_floor_area_ratio": (
        "宅基地容积率",
        "估计值：地块无建筑面积时使用；按一至二层农房约占宅基地一半假定",
    ),
    "acquisition.site_preparation": ("土地前期开发费用", "估计值：三通一平至七通一平（净地）每亩5—10万元取中值"),
    "acquisition.holding_cost": ("储备土地管护费用", "估计值：储备土地每年管理、围挡和维护费用，假定"),
    "revenue.adjustment_fund_rate": (
        "入市土地增值收益调节金比例",
        "估计值：财税〔2016〕41号规定调节金为增值收益的20%—50%，取30%，全部归镇",
    ),
    "revenue.transfer_price": (
        "土地出让价格",
        "估计值：未查到费县出让价格；县城工业每亩8—15万元、住宅100—250万元，乡镇低于县城",
    ),
    "revenue.price_growth": ("出让价格年增长率", "估计值：出让价格名义年增长率，假定"),
    "revenue.base_year": ("出让价格基准年", "估计值：出让价格所对应的年份"),
    "revenue.allocation_uses": ("划拨供地用途", "土地管理法第五十四条"),
    "revenue.industrial_land_grade": (
        "工业用地土地等别",
        "估计值：费县在全国工业用地出让最低价标准中可能为十二或十三等；同一等别用于新增建设用地土地有偿使用费",
    ),
    "revenue.industrial_min_price": ("工业用地出让最低价标准", "全国工业用地出让最低价标准（国土资发〔2006〕307号）"),
    "revenue.industrial_min_price_priority_factor": (
        "优先发展产业用地最低价系数",
        "国土资源部关于调整工业用地出让最低价标准实施政策的通知（国土资发〔2009〕56号）",
    ),
    "revenue.priority_project": (
        "是否省级优先发展项目",
        "估计值：仅省级确定优先发展的用地集约型项目适用最低价的70%，默认不适用",
    ),
    "revenue.new_construction_land_fee": (
        "新增建设用地土地有偿使用费",
        "财政部 国土资源部 中国人民银行关于调整新增建设用地土地有偿使用费政策等问题的通知（财综〔2006〕48号）",
    ),
    "revenue.deductions": (
        "土地出让收益计提比例",
        "土地出让收益计提规定：教育资金10%、农田水利10%、保障性安居工程不低于10%、农业土地开发不低于15%",
    ),
    "revenue.deduction_bases": (
        "各项计提基数",
        "土地出让收益计提规定：按年度总额计提，农业土地开发资金以平均纯收益为基数",
    ),
    "revenue.rural_items": ("用于农业农村的计提项目", "土地出让收益计提规定：农田水利建设资金、农业土地开发资金"),
    "revenue.rural_share_min": (
        "土地出让收益用于农业农村最低比例",
        "关于调整完善土地出让收入使用范围优先支持乡村振兴的意见（2020）",
    ),
    "revenue.revenue_returned_share": (
        "出让收益返还比例",
        "估计值：计提后的土地出让净收益返还镇收储资金的比例，假定全部返还",
    ),
    "reserve.supply_lag": ("收储至供地间隔期", "估计值：清表及配套至净地至少需一年"),
    "reserve.discount_rate": ("收储折现率", "估计值：净现值计算采用的社会折现率，假定"),
    "reserve.collective_market_from": ("集体经营性建设用地入市起始年", "土地管理法（2019年修正，2020年1月1日起施行）"),
    "reserve.collective_market_codes": (
        "集体经营性建设用地地类编码",
        "第三次全国国土调查工作分类：集体所有的商服用地（05）和工业用地（0601）",
    ),
    "reserve.new_construction_quota": (
        "新增建设用地计划指标",
        "估计值：下达本镇的新增建设用地（农用地转用）计划指标未公开",
    ),
    "reserve.resettlement_capacity": ("年度安置户数上限", "估计值：本镇每年可安置户数，假定"),
    "reserve.demand": ("年度供地需求", "估计值：待落地项目（木业示范区1060亩、化工园区）在规划期内分期供地，假定"),
    "reserve.development_boundary_factor": (
        "城镇开发边界扩展系数",
        "城镇开发边界划定要求：不超过现状城镇建设用地的1.3倍",
    ),
    "reserve.partial_zone_rule": (
        "管控区压占排除阈值",
        "估计值：地块落入永久基本农田或生态保护红线超过该比例即排除，不足视为制图误差",
    ),
    "reserve.min_inside_boundary": (
        "开发边界内最小面积占比",
        "估计值：地块在城镇开发边界内面积达到该比例即列为候选地块",
    ),
    "reserve.candidate_groups": (
        "可收储地类",
        "估计值：耕地和村庄用地征收、闲置工业用地收回收购；水域、道路、住宅和公共用地不收储",
    ),
    "reserve.market_absorption": ("市场消化倍数", "估计值：某用途年度供地不超过待供需求的该倍数，假定"),
    "reserve.shortfall_penalty": (
        "供地缺口惩罚系数",
        "估计值：净现值目标中未满足需求的权重，远高于地价，可行时优先满足需求",
    ),
    "reserve.boundary_penalty": ("收储地块边界长度惩罚系数", "估计值：收储用地边界长度的紧凑度权重，0为不启用"),
    "reserve.planned_use_default": ("默认规划用途", "估计值：未被规划用途图斑覆盖的候选地块所取的规划用途"),
    "linkage.return_years": ("周转指标归还期限", "城乡建设用地增减挂钩试点管理办法（国土资发〔2008〕138号）"),
    "linkage.reclamation_cost": ("拆旧复垦费用", "估计值：宅基地及工矿用地复垦为耕地的费用，假定"),
    "linkage.resettlement_site_cost_per_household": ("建新安置户均费用", "估计值：建新安置区配套及建房补助，假定"),
    "linkage.resettlement_land_per_household": ("建新安置户均用地", "估计值：楼房式安置每户占地，假定"),
    "linkage.max_households_per_year": ("年度搬迁户数上限", "估计值：每年搬迁户数上限，假定"),
    "linkage.cross_province_out": (
        "节余指标跨省域调出价格",
        "城乡建设用地增减挂钩节余指标跨省域调剂管理办法（国办发〔2018〕16号）",
    ),
    "linkage.cross_province_in": (
        "节余指标跨省域调入价格",
        "城乡建设用地增减挂钩节余指标跨省域调剂管理办法（国办发〔2018〕16号）",
    ),
    "linkage.cross_province_siting_fee": (
        "跨省域调入附加规划选址费",
        "城乡建设用地增减挂钩节余指标跨省域调剂管理办法（国办发〔2018〕16号）",
    ),
    "linkage.cross_province_valid_until": (
        "跨省域调剂政策截止日期",
        "自然资发〔2021〕178号（对重点帮扶县延续至2025年12月31日）",
    ),
    "linkage.chongqing_dipiao_price": ("重庆地票平均价格", "重庆地票交易统计（截至2014年累计成交279亿元、13.74万亩）"),
    "linkage.farmer_share": ("地票净收益农户分成比例", "重庆地票收益分配（农户与集体约85:15）"),
    "linkage.plan_years": ("挂钩项目区年度", "估计值：2019—2021年改革期加上归还周转指标和项目结项所需年份"),
    "linkage.reclamation_lag": ("拆旧至复垦验收间隔期", "估计值：拆除至复垦验收需一年，假定"),
    "linkage.reclaimable_share": (
        "拆旧地块可复垦比例",
        "估计值：拆旧地块扣除道路、沟渠、田坎后可复垦为耕地的比例，假定",
    ),
    "linkage.mining_reclamation_cost": (
        "工矿废弃地复垦费用",
        "估计值：工矿废弃地需客土、平整，复垦费用高于宅基地，假定",
    ),
    "linkage.reclaimed_grade_offset": (
        "复垦耕地等别降低等数",
        "估计值：复垦耕地取最近现有耕地的国土等别并降低若干等（新土），假定",
    ),
    "linkage.paddy_max_distance_m": (
        "复垦水田距水源最大距离",
        "估计值：距河流、沟渠该距离以内的复垦耕地可灌溉为水田，假定",
    ),
    "linkage.whole_village_areas": ("整村搬迁片区", "探沂镇规划：南阳片区整村搬迁"),
    "linkage.site_fixed_cost": ("安置点固定开办费用", "估计值：新开建新安置点的道路、供水、供电等配套费用，假定"),
    "linkage.site_groups": ("安置点可占地类", "估计值：安置点位于城镇开发边界内且规划为居住用途，可占地类假定"),
    "linkage.town_use_value": (
        "节余指标本镇使用价值",
        "估计值：节余指标用于本镇发展的影子价值（节省购买新增建设用地指标），假定",
    ),
    "linkage.town_use_cap": ("节余指标本镇年度使用上限", "估计值：本镇每年对建设用地指标的额外需求，假定"),
    "linkage.sale_price": ("节余指标省内交易价格", "估计值：参照重庆地票均价约每亩20万元，未查到山东价格"),
    "linkage.sale_cap": ("节余指标年度交易上限", "估计值：县级或省级平台每年承接本镇节余指标数量，假定"),
    "linkage.discount_rate": ("挂钩折现率", "估计值：社会折现率，与收储折现率相同"),
    "linkage.cross_province_valid_from": (
        "跨省域调剂政策起始日期",
        (
            "国务院办公厅关于印发跨省域补充耕地国家统筹管理办法和城乡建设用地增减挂钩节余指标跨省域调剂管理办法的通知"
            "（国办发〔2018〕16号）"
        ),
    ),
    "farmland.capacity_by_grade": (
        "各等别耕地产能",
        "估计值：以八等地每亩600公斤标准粮为基准，每差一等约100公斤，十二等以下递减放缓",
    ),
    "farmland.shandong_pooled_price": (
        "山东省补充耕地指标省级统筹价格",
        "山东省补充耕地指标省级统筹指导价（2022，有效期2年）",
    ),
    "farmland.shandong_adjusted_price": (
        "山东省补充耕地指标省级调剂价格",
        "山东省补充耕地指标省级调剂指导价（2022，有效期2年，按八等地定价）",
    ),
    "farmland.shandong_grade_step": (
        "省级调剂价格每等调整幅度",
        "山东省补充耕地指标省级调剂指导价（2022）：较八等地每高（低）一等增（减）1.1万元/亩",
    ),
    "farmland.shandong_reference_grade": (
        "省级调剂价格基准等别",
        "山东省补充耕地指标省级调剂指导价（2022）：按八等地定价",
    ),
    "farmland.national_base_price": ("跨省域补充耕地基准价", "跨省域补充耕地国家统筹管理办法（国办发〔2018〕16号）"),
    "farmland.national_capacity_price": (
        "跨省域补充耕地产能价",
        "跨省域补充耕地国家统筹管理办法（国办发〔2018〕16号）",
    ),
    "farmland.national_adjustment": ("跨省域补充耕地调节系数", "跨省域补充耕地国家统筹管理办法（国办发〔2018〕16号）"),
    "farmland.annual_regime_from": (
        "以补定占年度管理起始日期",
        "自然资发〔2024〕204号：2025年1月1日起停止逐项目申报，改为按年度以补定占",
    ),
    "farmland.upgrade_cost_per_grade": ("提质改造每提升一等费用", "估计值：耕地提质改造费用，假定"),
    "farmland.own_reclamation_cost": ("自行补充耕地费用", "估计值：本镇自行开展土地整治补充耕地的费用，假定"),
    "farmland.mining_reclamation_cost": (
        "工矿废弃地复垦为耕地费用",
        "估计值：工矿废弃地（0602）复垦需清理、覆土，费用高于裸地，假定",
    ),
    "farmland.paddy_conversion_cost": ("旱改水费用", "估计值：旱地改水田（提质改造）费用，假定"),
    "farmland.reclaimed_grade": ("新增耕地等别", "估计值：新开垦耕地质量低于本镇平均水平，等别假定"),
    "farmland.agri_zone_grade_gain": (
        "农业园区内新增耕地等别提升",
        "估计值：现代农业示范区或田园综合体内灌溉、道路条件较好，新增耕地等别相应提高，假定",
    ),
    "farmland.reclaim_codes": ("可开垦地类编码", "估计值：空闲地、裸地等其他土地，其他草地和采矿用地视为可开垦，假定"),
    "farmland.reclaim_max_slope_deg": (
        "可开垦最大坡度",
        "估计值：坡度过大需修梯田、成本高，不予开垦（25°以上坡耕地退耕），假定",
    ),
    "farmland.reclaim_max_zone_frac": (
        "可开垦地块管控区最大占比",
        "估计值：地块落入生态保护红线或饮用水水源保护区超过5%即不开垦（制图容差），假定",
    ),
    "farmland.upgrade_min_grade": ("提质改造起始等别", "估计值：该等别及更差的耕地列为提质改造对象，假定"),
    "farmland.upgrade_steps": ("提质改造提升等数", "估计值：一次提质改造（灌溉、土壤改良）提升的等别数，假定"),
    "farmland.project_lead_years": ("补充耕地项目验收周期", "估计值：基准年开工的开垦或提质改造项目经若干年验收，假定"),
    "farmland.indicator_max_mu": (
        "年度购买补充耕地指标上限",
        "估计值：本镇每年在单一市场可购买的同类指标数量，建模约束",
    ),
    "siting.chemical_park_area": (
        "化工产业园规划面积",
        "费县粘合剂化工产业园（2019年认定，规划3.05平方公里，位于镇驻地西南）",
    ),
    "siting.wood_cluster_area": ("木业产业示范区面积", "木业产业示范区（2020）公开资料：兖石铁路以南、S229以东"),
    "siting.chemical_buffer_housing": (
        "化工园区与居住区防护距离",
        "估计值：未查到粘合剂行业卫生防护距离标准，按100—300米取值",
    ),
    "siting.chemical_park_bearing": ("化工园区方位角", "探沂镇改革方案：费县粘合剂化工产业园位于镇驻地西南"),
    "siting.bearing_tolerance": ("方位角容差", "估计值：园区地块偏离规划方位的允许角度（两侧），为对“西南”的解读"),
    "siting.chemical_min_distance_from_seat": (
        "化工园区距镇驻地最小距离",
        "估计值：鲁政办字〔2017〕168号要求化工园区远离城镇，未规定距离，假定",
    ),
    "siting.prevailing_wind_from": ("主导风向", "估计值：临沂地区全年主导风向假定为东北偏东，未采用费县气象站资料"),
    "siting.upwind_tolerance": (
        "上风向判定角度",
        "估计值：鲁政办字〔2017〕168号要求化工园区不在城镇上风向，判定角度假定",
    ),
    "siting.wood_cluster_location": ("木业产业示范区区位", "木业产业示范区公开资料：位于兖石铁路以南、S229以东"),
    "siting.criteria_factors": (
        "园区评分准则对应因子",
        "估计值：按鲁政办字〔2017〕168号评分准则对应适宜性因子，准则权重在其因子间均分",
    ),
    "siting.veto_farmland_grades": ("建设适宜性否决耕地等别", "贾克敬等（2017），地理科学进展第36卷第3期"),
    "siting.veto_landuse_groups": ("建设适宜性否决地类", "贾克敬等（2017），地理科学进展第36卷第3期"),
    "siting.investment_intensity": ("投资强度", "木业产业示范区公开资料：1060亩投资20亿元"),
    "siting.tax_intensity": ("亩均税收", "木业产业示范区公开资料：1060亩年税收超过1亿元"),
    "siting.park_weights": ("化工园区评分权重", "山东省化工园区认定评分（鲁政办字〔2017〕168号）"),
    "siting.min_far": ("最低容积率", "工业项目建设用地控制指标"),
    "siting.min_building_coverage": ("最低建筑系数", "工业项目建设用地控制指标"),
    "siting.max_office_share": ("行政办公及生活服务设施用地比例上限", "工业项目建设用地控制指标"),
    "siting.slope_scores": ("建设适宜性坡度分级评分", "贾克敬等（2017），地理科学进展第36卷第3期"),
    "siting.ahp_random_index": ("平均随机一致性指标", "萨蒂层次分析法平均随机一致性指标"),
    "siting.suitability_factors": ("建设适宜性评价因子", "估计值：参照贾克敬等（2017）建设适宜性评价方法选取的因子"),
    "siting.suitability_ahp": ("评价因子判断矩阵", "估计值：默认铁路条件重要性为其他因子的三分之一，可由用户修改"),
    "siting.distance_ranges": ("距离标准化范围", "估计值：默认距离标准化范围"),
    "siting.landuse_scores": ("地类工业适宜性评分", "估计值：默认各地类对工业用途的适宜性评分"),
    "siting.farmland_grade_scores": (
        "耕地等别适宜性评分",
        "估计值：贾克敬等（2017）将优等耕地作为否决因子，本工具对较差耕地赋较高适宜性分值",
    ),
    "siting.park_min_separation": ("园区最小间距", "估计值：联合选址时两园区之间的默认最小间距"),
    "siting.perimeter_weight": ("边界长度权重", "估计值：默认紧凑度惩罚系数"),
    "siting.cost_weight": ("征收成本权重", "估计值：适宜性与征收成本之间的默认换算系数"),
    "siting.area_tolerance": ("面积容差", "估计值：地块面积难以恰好凑足，默认允许偏差"),
    "corridor.artery_length": ("文化旅游大动脉长度", "探沂镇规划：30公里文化旅游大动脉"),
    "corridor.design_width": ("廊道设计宽度", "估计值：廊道占地设计宽度12—30米，取中值"),
    "corridor.road_build_cost": ("新建道路造价", "估计值：新建双车道景观道路，假定"),
    "corridor.road_upgrade_cost": ("道路提升改造造价", "估计值：现有农村道路提升改造，假定"),
    "corridor.slope_resistance": (
        "坡度阻力值",
        "估计值：参照国内廊道研究常用的最小累积阻力模型坡度分级，分级和分值假定",
    ),
    "corridor.landuse_resistance": ("地类阻力值", "估计值：穿越各三调地类修建景观道路的难度和干扰程度，假定"),
    "corridor.ecology_resistance": (
        "生态保护红线阻力值",
        "估计值：尽量避让生态保护红线，但低影响步道不设硬性障碍，假定",
    ),
    "corridor.basic_farmland_resistance": (
        "永久基本农田阻力值",
        "估计值：占用永久基本农田须经国务院批准，尽量避让，假定",
    ),
    "corridor.farmland_grade_resistance": (
        "耕地等别阻力值",
        "估计值：占优补优使优质耕地难以补充，耕地越好阻力越大，分级假定",
    ),
    "corridor.resistance_weights": (
        "阻力因子权重",
        "估计值：最小累积阻力模型因子权重假定，可改用主管部门层次分析法权重",
    ),
    "corridor.band_slack": ("廊道带宽阈值系数", "估计值：参照Linkage Mapper廊道截断规则，阈值假定"),
    "corridor.site_scores": ("景点吸引力评分", "估计值：无游客数据，五处景点相对吸引力假定，用于游线规划"),
    "corridor.riverside_band_width": ("祊河南岸廊道搜索宽度", "估计值：祊河南岸生态休闲廊道在水面以南的搜索带宽，假定"),
    "corridor.levee_body_width": ("堤防占地宽度", "估计值：二级土堤（堤顶、边坡及护堤地）占地宽度，假定"),
    "people.seat_residents": ("镇驻地常住人口", "估计值：改革方案目标2020年镇驻地10万人；2018年人数假定，中间年份插值"),
    "people.migrant_share": ("农业转移人口落户占比", "估计值：镇驻地人口增长中农业转移人口落户的比例，假定"),
    "people.urban_land_per_person_m2": ("人均城镇建设用地", "估计值：镇驻地现状人均城镇建设用地未公开，假定"),
    "people.land_per_migrant_tiers": (
        "人地挂钩用地标准",
        (
            "国土资源部等五部门关于建立城镇建设用地增加规模同吸纳农业转移人口落户数量挂钩机制的实施意见"
            "（国土资发〔2016〕123号）"
        ),
    ),
    "people.provincial_adjustment": (
        "人地挂钩标准省级调整幅度",
        (
            "国土资源部等五部门关于建立城镇建设用地增加规模同吸纳农业转移人口落户数量挂钩机制的实施意见"
            "（国土资发〔2016〕123号）"
        ),
    ),
    "people.demand_shares": (
        "人地挂钩用地用途分配",
        "估计值：按国土资发〔2016〕123号优先保障住房和公共服务、再安排产业，比例假定",
    ),
    "people.exit_offers": ("宅基地有偿退出补偿标准", "估计值：宅基地有偿退出遵循自愿有偿，费县未公布补偿档次，假定"),
    "people.exit_participation": (
        "宅基地退出参与率",
        "估计值：参与率随补偿标准提高，费县无公开数据，假定（可按村设定）",
    ),
}


def param_label(key: str) -> str:
    """The Chinese name of a parameter.

    Parameters
    ----------
    key : str
        Dotted parameter key, e.g. ``"funds.opening_cash"``.

    Returns
    -------
    str
        The Chinese name, or ``key`` itself if the key is unknown.
    """
    entry = PARAM_LABELS.get(key)
    return entry[0] if entry else key


def param_source(key: str, default: str) -> str:
    """The Chinese source description of a parameter.

    Parameters
    ----------
    key : str
        Dotted parameter key, e.g. ``"funds.opening_cash"``.
    default : str
        Returned when the key is unknown (e.g. the parameter file's own ``source`` text).

    Returns
    -------
    str
        The Chinese source description, or ``default``.
    """
    entry = PARAM_LABELS.get(key)
    return entry[1] if entry else default
