"""Reference data the simulator draws from: names, places, products, comments (Chinese and English)."""

from __future__ import annotations

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志强海波晓东丹宇浩然子涵欣怡梓轩雨桐俊杰思远嘉怡文博佳琪一鸣"
SURNAME_PINYIN = {
    "王": "Wang", "李": "Li", "张": "Zhang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "黄": "Huang",
    "赵": "Zhao", "吴": "Wu", "周": "Zhou", "徐": "Xu", "孙": "Sun", "马": "Ma", "朱": "Zhu",
    "胡": "Hu", "郭": "Guo", "何": "He", "高": "Gao", "林": "Lin", "罗": "Luo", "郑": "Zheng",
}
EN_FIRST = [
    "Emily", "James", "Olivia", "Daniel", "Sophia", "Michael", "Grace", "David", "Chloe", "Kevin",
    "Linda", "Jason", "Amy", "Eric", "Helen", "Tony", "Cindy", "Frank", "Vivian", "Leo",
]
EN_LAST = ["Chen", "Wong", "Lee", "Smith", "Brown", "Lam", "Ho", "Taylor", "Ng", "Tan", "Miller", "Cheung"]

#: (region, [(city, area code), ...]) — region names as the department writes them.
REGIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("华东", [("上海", "021"), ("杭州", "0571"), ("南京", "025"), ("苏州", "0512"), ("宁波", "0574")]),
    ("华北", [("北京", "010"), ("天津", "022"), ("石家庄", "0311"), ("太原", "0351")]),
    ("华南", [("广州", "020"), ("深圳", "0755"), ("东莞", "0769"), ("厦门", "0592")]),
    ("华中", [("武汉", "027"), ("长沙", "0731"), ("郑州", "0371")]),
    ("西南", [("成都", "028"), ("重庆", "023"), ("昆明", "0871")]),
    ("西北", [("西安", "029"), ("兰州", "0931")]),
    ("东北", [("沈阳", "024"), ("大连", "0411"), ("哈尔滨", "0451")]),
]
REGION_WEIGHTS = [30, 20, 20, 10, 10, 5, 5]
DISTRICTS = ["高新区", "经开区", "城东区", "城西区", "新城区", "滨江区", "开发区", "中心区"]
STREETS = ["人民路", "解放路", "中山路", "建设路", "和平路", "科技路", "长江路", "黄河路", "文化路", "光明路"]

INDUSTRIES = ["制造业", "服务业", "政府部门", "教育", "医疗卫生", "零售", "金融", "物流", "房地产", "信息技术"]
INDUSTRY_WEIGHTS = [25, 20, 6, 6, 6, 12, 5, 8, 6, 6]
COMPANY_WORDS = ["华信", "中科", "东方", "恒通", "博远", "瑞丰", "新达", "汇智", "金桥", "宏图", "天成", "广源", "立德", "安泰"]
COMPANY_KINDS = ["科技有限公司", "实业有限公司", "贸易有限公司", "物业管理有限公司", "制造有限公司", "服务有限公司"]
EN_COMPANY = ["Acme Trading", "Pacific Logistics", "Golden Bridge Foods", "Bluewave Tech", "Summit Retail", "Orient Hotels"]

PRODUCTS = ["空调 KF-35", "热水器 JSQ-20", "净水器 RO-400", "电梯 EL-9", "配电柜 PD-3", "路由器 R-600", "冰箱 BCD-450", "智能门锁 L7"]

COMPLAINT_SUBJECTS = {
    "product_quality": ["产品使用一周后故障", "设备异响", "Product stopped working", "外壳破损"],
    "service_attitude": ["客服态度冷淡", "工程师态度差", "Agent was rude on the phone", "多次推诿"],
    "billing": ["账单金额有误", "重复扣费", "Invoice amount is wrong", "发票未开具"],
    "delivery": ["送货延迟", "配送地址错误", "Delivery missed the time slot", "货物损坏"],
    "repair": ["维修后问题仍未解决", "技术员迟到", "Repair failed again", "维修收费不合理"],
    "other": ["网站无法登录", "Request for information", "会员积分问题", "其他问题"],
}
ROOT_CAUSES = ["产品缺陷", "操作失误", "流程问题", "沟通不畅", "第三方原因", "系统故障", "customer misunderstanding"]
RESOLUTIONS = ["更换产品", "上门维修", "退款处理", "道歉并补偿", "解释说明", "调整账单", "replacement shipped"]

SURVEY_COMMENTS = ["满意", "服务很好，谢谢", "处理速度一般", "希望改进", "非常专业", "Good service", "还行", "不满意，问题未解决", ""]
QA_COMMENTS = ["开场白规范", "倾听耐心", "业务解答准确", "未按规范结束通话", "语速过快", "服务用语规范", "未核实客户身份", "良好", "需加强业务知识"]

REPAIR_CATEGORIES = ["plumbing", "electrical", "hvac", "appliance", "elevator", "network", "general"]
REPAIR_CATEGORY_WEIGHTS = [20, 20, 18, 20, 6, 8, 8]
REPAIR_DESCRIPTIONS = {
    "plumbing": ["水管漏水", "下水道堵塞", "Leaking pipe under the sink"],
    "electrical": ["电路跳闸", "插座无电", "Lights flicker"],
    "hvac": ["空调不制冷", "空调漏水", "Heating does not start"],
    "appliance": ["冰箱不制冷", "洗衣机不排水", "热水器无热水"],
    "elevator": ["电梯异响", "电梯困人", "Elevator door stuck"],
    "network": ["网络中断", "路由器故障", "Wi-Fi keeps dropping"],
    "general": ["门锁损坏", "窗户无法关闭", "General maintenance"],
}
PARTS = [("P-101", 12.0), ("P-205", 35.0), ("P-310", 58.5), ("P-418", 120.0), ("P-881", 35.0), ("P-990", 260.0)]
